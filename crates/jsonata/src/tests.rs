//! Unit tests for the tricky corners (sequences, parent paths, signatures, limits, numbers).
