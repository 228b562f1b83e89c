"""The county-scale benchmark (`make bench`): not part of the app, not run by CI.

It starts the app as `make run` does (gunicorn, two workers) against a database filled by
`flask --app conference seed-scale`, and beside it a floor: the least a Flask and SQLAlchemy
page can cost on the same database. See README.md, "County-scale benchmark".
"""
