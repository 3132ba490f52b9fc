"""Change capture and the change feed (issue 18): database triggers append every insert, update
and delete of a tracked table to the change log; a sequencer numbers the entries in commit order;
`GET /changes/<alias>` and the webhooks read them by position."""
