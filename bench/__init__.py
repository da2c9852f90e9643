"""milebill_xl benchmarks: ``python -m bench`` (see bench/README.md)."""
