"""Teaching a class: the class release (:mod:`.release`, :mod:`.graded`, :mod:`.manifest`, :mod:`.constraints`),
grading (:mod:`.grading` runs it, :mod:`.grade` is its model, :mod:`.reach` checks a learner's files), the platforms'
formats (:mod:`.platforms`, :mod:`.junit`) and the class's gradebook (:mod:`.gradebook`)."""
