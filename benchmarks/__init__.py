"""Scripts that print figures (speed, memory, answer quality); never part of the pass/fail test run."""
