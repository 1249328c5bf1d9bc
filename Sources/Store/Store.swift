/// The SQLite history: jobs, attempts, events, metrics and artifacts.
