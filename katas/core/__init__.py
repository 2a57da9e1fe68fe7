"""What every part of torch-katas shares: the curriculum and its katas on disk (:mod:`.curriculum`), the stubs and
the learner's files (:mod:`.stubs`), and the results of a run, the one document of verdicts (:mod:`.results`)."""
