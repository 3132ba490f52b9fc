"""Idempotency-Key on writes: the first answer to a (caller, key) is kept with the data it wrote.

IETF draft "The Idempotency-Key HTTP Header Field". A write sent with `Idempotency-Key` claims
the key with one statement committed on its own (state `running`, with a lease), runs, and stores
its answer in the data's own transaction (`store.Keeper`), so the answer exists exactly when the
data does. A retry with the same key and request gets the stored answer
(`Idempotent-Replayed: true`), with another request 422 `1420`, while the first still runs 409
`1421`. See docs/bulk.md.
"""
