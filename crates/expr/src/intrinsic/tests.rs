//! Unit tests of the intrinsic functions, one group per function, and of their error causes.
