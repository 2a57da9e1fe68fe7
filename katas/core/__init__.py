"""What every part of torch-katas shares: the curriculum (:mod:`.curriculum`), where its files lie on disk
(:mod:`.layout`), the stubs (:mod:`.stubs`), git (:mod:`.git`), the results of a run, the one document of verdicts
(:mod:`.results`), what they say per task (:mod:`.outcomes`), the progress feed (:mod:`.feed`), and a learner's
workspace (:mod:`.workspace`)."""
