"""Running the katas' tests: the pytest plugin (:mod:`.plugin`, one module per concern), the learner's module as the
tests load it (:mod:`.solution`), and runs of pytest from outside, fresh or forked warm (:mod:`.runner`)."""
