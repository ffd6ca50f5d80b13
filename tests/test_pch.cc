// test_pch.cc: the one source of jetsession_test_pch, the target that builds
// the precompiled header every test executable reuses (tests/CMakeLists.txt).
// It defines nothing.
