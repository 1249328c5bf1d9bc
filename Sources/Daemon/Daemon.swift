/// The long-running service: intake, scheduling, workers, limits, recovery.
