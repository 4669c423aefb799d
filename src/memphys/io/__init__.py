"""Readers and writers (binary, npy/npz, zarr, NWB, neo) and synthetic recordings."""
