"""For authors: a new kata from a template (:mod:`.scaffold`), the contract check of one kata (:mod:`.check`), and
the kata notebooks written from lessons and stubs (:mod:`.notebooks`)."""
