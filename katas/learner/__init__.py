"""The learner's front ends: the ``katas`` command (:mod:`.cli`, :mod:`.watch`, :mod:`.report`), the actions behind
it and behind the notebook API (:mod:`.actions`), the learner's progress (:mod:`.state`) and pictures."""
