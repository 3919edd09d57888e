"""edgequant.benchmarks."""
