"""The demo registry: realistic, deterministic Ningbo firms, filings, certificates and accounts.

`generate` draws the rows (numpy, no database), `load` writes them (COPY on PostgreSQL),
`showcase` and `accounts` define the firms and logins a visitor starts from.
"""
