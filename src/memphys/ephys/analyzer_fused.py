"""Several core extensions from one pass over the recording.

:func:`compute_core_fused` fills the ``waveforms``, ``templates`` and ``noise_levels``
extensions of an analyzer (their parameters already set) from **one**
:func:`memphys.ephys.waveform_pass.run_waveform_pass`: the random spikes' windows are read
once, the waveforms go block by block to the analyzer's store (:func:`waveform_store`),
the template moments are folded in float64, and the noise chunks are read in the same run
(unless the recording already caches its noise levels). ``SortingAnalyzer.compute`` calls
it for any request holding more than one of those extensions, and each extension's own
``_run`` calls it alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.errors import ExtractorValueError

__all__ = ["compute_core_fused", "compute_fused_extensions", "waveform_store"]


def waveform_store(ext: Any, save_to_disk: bool) -> Any:
    from memphys.ephys import _zarr_v2 as zv2
    from memphys.ephys.waveform_stores import MemoryStore, NpyStore, ZarrStore

    fmt = ext.format
    if not save_to_disk or fmt == "memory":
        return MemoryStore()
    if fmt == "binary_folder":
        return NpyStore(ext._get_binary_extension_folder() / "waveforms.npy")
    an = ext.sorting_analyzer
    group = zv2.open_group(an.folder, mode="r+")["extensions"][ext.extension_name]
    opts = dict(an._backend_options.get("saving_options", {}) or {})
    return ZarrStore(group, "waveforms", compressor=opts.get("compressor", "default"))


def _noise_request(an: Any, ext: Any) -> tuple[dict[str, Any] | None, Any]:
    """Noise chunks to read, or the levels cached in the recording's properties."""
    from memphys.ephys.time_series_tools import get_random_sample_slices

    params = dict(ext.params or {})
    method = params.get("method", "mad")
    in_uv = bool(params.get("return_in_uV", params.get("return_scaled", an.return_in_uV)))
    rec = an.recording
    key = f"noise_level_{method}_{'scaled' if in_uv else 'raw'}"
    if key in rec.get_property_keys() and not params.get("force_recompute", False):
        return None, np.asarray(rec.get_property(key))
    legacy = {k: params[k] for k in ("num_chunks_per_segment", "chunk_size", "seed") if k in params}
    rs = dict(params.get("random_slices_kwargs") or {})
    rs.update({k: v for k, v in legacy.items() if k not in rs})
    slices = get_random_sample_slices(rec, **rs)
    return {"slices": slices, "method": method, "return_in_uV": in_uv, "key": key}, None


def compute_core_fused(
    an: Any,
    extensions: dict[str, Any],
    save: bool,
    verbose: bool = False,
    **job_kwargs: Any,
) -> None:
    """Fill ``waveforms``, ``templates`` (average/std without waveforms, all operators
    with) and ``noise_levels`` extension instances (params already set) from one pass."""
    from memphys.ephys.analyzer_templates import _operator_key
    from memphys.ephys.waveform_pass import run_waveform_pass

    wf = extensions.get("waveforms")
    tpl = extensions.get("templates")
    noise_ext = extensions.get("noise_levels")
    rec = an.recording
    spikes = None
    nbefore = nafter = 0
    if wf is not None or tpl is not None:
        rs = an.get_extension("random_spikes")
        if rs is None:
            raise ExtractorValueError(
                "Extension waveforms requires random_spikes to be computed first"
            )
        spikes = rs.get_random_spikes()
        src = wf if wf is not None else tpl
        assert src is not None
        nbefore, nafter = src.nbefore, src.nafter
    noise_req = None
    if noise_ext is not None:
        noise_req, cached = _noise_request(an, noise_ext)
        if cached is not None:
            noise_ext.data["noise_levels"] = cached
    templates_from_pass = tpl is not None and wf is None
    ops = list((tpl.params or {}).get("operators", [])) if tpl is not None else []
    store = waveform_store(wf, save) if wf is not None else None
    if spikes is None and noise_req is None:
        return
    if spikes is None:
        spikes = np.zeros(
            0,
            dtype=[("sample_index", "int64"), ("unit_index", "int64"), ("segment_index", "int64")],
        )
    mask = None if an.sparsity is None else an.sparsity.mask
    res = run_waveform_pass(
        rec,
        spikes,
        an.get_num_units(),
        nbefore,
        nafter,
        return_in_uV=an.return_in_uV,
        sparsity_mask=mask,
        store=store,
        dtype=None if wf is None else np.dtype(wf.params["dtype"]),
        templates=tpl is not None and any(op in ("average", "std") for op in ops),
        std=tpl is not None and "std" in ops,
        noise=noise_req,
        job_name="compute " + " + ".join(extensions),
        verbose=verbose,
        **job_kwargs,
    )
    if wf is not None:
        wfs = res.waveforms
        wf.data["waveforms"] = wfs
    if tpl is not None:
        tpl.data.clear()
        if res.mean is not None:
            assert res.counts is not None
            assert res.m2 is not None
            tpl._set_from_moments(res.counts, res.mean, res.m2)
        rest = [op for op in ops if op not in ("average", "std")]
        if rest:
            if templates_from_pass:
                raise ExtractorValueError(
                    f"Computing templates with operators {rest} requires the 'waveforms' extension"
                )
            tpl._compute_and_append_from_waveforms_data(rest, res.waveforms, spikes)
        tpl.data = {_operator_key(op): tpl.data[_operator_key(op)] for op in ops}
    if noise_ext is not None and noise_req is not None:
        levels = res.noise_levels
        noise_ext.data["noise_levels"] = levels
        rec.set_property(noise_req["key"], levels)


def compute_fused_extensions(
    an: Any,
    requests: dict[str, dict[str, Any]],
    save: bool,
    verbose: bool,
    job_kwargs: dict[str, Any],
) -> None:
    """Create, compute (one pass), save and register the requested core extensions of
    ``an``; on failure none of them is kept (nor left on disk)."""
    from time import perf_counter

    from memphys.ephys.analyzer_extension import _require_class

    if not (an.has_recording() or an.has_temporary_recording()):
        raise ExtractorValueError(f"Extensions {list(requests)} require the recording")
    to_disk = save and an.format != "memory" and not an.is_read_only()
    instances: dict[str, Any] = {}
    for name in ("waveforms", "templates", "noise_levels"):
        if name not in requests:
            continue
        ext = _require_class(name)(an)
        ext.set_params(save=to_disk, **requests[name])
        if name == "templates" and "waveforms" in instances:
            wp = instances["waveforms"].params or {}
            ext.params["ms_before"], ext.params["ms_after"] = wp["ms_before"], wp["ms_after"]
        instances[name] = ext
    t0 = perf_counter()
    try:
        compute_core_fused(an, instances, save=to_disk, verbose=verbose, **job_kwargs)
        runtime = perf_counter() - t0
        for name, ext in instances.items():
            ext.run_info = {"run_completed": True, "runtime_s": runtime}
            if to_disk:
                ext.save()
            an.extensions[name] = ext
    except BaseException:
        for name, ext in instances.items():
            an.extensions.pop(name, None)
            if to_disk:
                ext._delete_extension_folder()
        raise
