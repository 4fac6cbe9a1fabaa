"""Framework tests per layer family: tests/layers/test_<family>.py beside symparam/layers/<family>.py."""
