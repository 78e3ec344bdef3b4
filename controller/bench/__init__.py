"""Benchmarks that print the figures the issues ask for (run through `ambil bench ...`)."""
