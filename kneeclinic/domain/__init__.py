"""The clinical and numerical core of Knee Clinic.

Everything below this package is plain Python: it takes plain values or frozen dataclasses and
returns them. It never imports Django or the web layer, and never touches the database, the file
system or the network. ``tests/domain/test_purity.py`` enforces this.
"""
