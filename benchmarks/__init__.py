"""Accord's benchmarks: each module runs its baseline in the same run and writes JSON."""
