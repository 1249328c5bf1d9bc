import GRDB

/// The schema, as append-only migrations: a released migration is never edited, only followed by a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "job") { t in
                t.primaryKey("id", .text)
                t.column("bundleSHA256", .text).notNull().unique()
                t.column("name", .text).notNull()
                t.column("spoolName", .text).notNull()
                t.column("state", .text).notNull()
                t.column("priority", .integer).notNull()
                t.column("threads", .integer).notNull()
                t.column("memoryMB", .integer).notNull()
                t.column("wallTimeSeconds", .integer).notNull()
                t.column("model", .text)
                t.column("kind", .text)
                t.column("submittedAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("reason", .text)
                t.column("cancelRequested", .boolean).notNull().defaults(to: false)
                t.column("progressStep", .integer)
                t.column("progressTotal", .integer)
                t.column("lastLoss", .double)
                t.column("lastDevMetric", .double)
                t.column("attempts", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: "CREATE INDEX job_queue ON job(state, priority DESC, submittedAt, id)")
            try db.execute(sql: "CREATE INDEX job_submitted ON job(submittedAt DESC, id DESC)")

            try db.create(table: "attempt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("jobID", .text).notNull().references("job", onDelete: .cascade)
                t.column("number", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("pid", .integer)
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("exitStatus", .integer)
                t.column("reason", .text)
                t.column("peakRSSMB", .double)
                t.uniqueKey(["jobID", "number"])
            }

            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("jobID", .text).references("job", onDelete: .cascade)
                t.column("attempt", .integer)
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("message", .text).notNull()
            }
            try db.execute(sql: "CREATE INDEX event_job ON event(jobID, id)")

            try db.create(table: "metric", options: .withoutRowID) { t in
                t.column("jobID", .text).notNull().references("job", onDelete: .cascade)
                t.column("attempt", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("value", .double)
                t.primaryKey(["jobID", "attempt", "seed", "step", "name"])
            }

            try db.create(table: "artifact", options: .withoutRowID) { t in
                t.column("jobID", .text).notNull().references("job", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("rawSize", .integer).notNull()
                t.column("compressedSize", .integer).notNull()
                t.column("sha256", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("data", .blob).notNull()
                t.primaryKey(["jobID", "name"])
            }
        }
        migrator.registerMigration("v2: cluster placement of attempts") { db in
            try db.alter(table: "attempt") { t in
                t.add(column: "clusterJobID", .text)
                t.add(column: "node", .text)
            }
        }
        migrator.registerMigration("v3: warnings of succeeded jobs") { db in
            try db.alter(table: "job") { t in
                t.add(column: "warnings", .text)
            }
        }
        migrator.registerMigration("v4: owners of jobs") { db in
            try db.alter(table: "job") { t in
                t.add(column: "ownerUID", .integer)
            }
        }
        migrator.registerMigration("v5: result folders for retention") { db in
            try db.create(table: "result_folder") { t in
                t.primaryKey("folder", .text)
                t.column("jobID", .text)
                t.column("ownerUID", .integer)
                t.column("endedAt", .datetime).notNull()
                t.column("bytes", .integer).notNull()
                t.column("removedAt", .datetime)
            }
            try db.execute(sql: "CREATE INDEX result_folder_kept ON result_folder(removedAt, endedAt)")
        }
        migrator.registerMigration("v6: job logs") { db in
            try db.create(table: "log_line") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("jobID", .text).notNull().references("job", onDelete: .cascade)
                t.column("attempt", .integer).notNull()
                t.column("at", .datetime).notNull()
                t.column("text", .text).notNull()
            }
            try db.execute(sql: "CREATE INDEX log_line_job ON log_line(jobID, id)")
        }
        migrator.registerMigration("v7: notifications") { db in
            try db.create(table: "notify_channel") { t in
                t.primaryKey("channel", .text)
                // Seconds since 1970, as `nextAt` below: the idle daemon's queries then bind no Date,
                // whose formatting would load Foundation's ICU data (3 MB) before any job.
                t.column("enabledAt", .double).notNull()
            }
            try db.create(table: "notification") { t in
                t.column("jobID", .text).notNull().references("job", onDelete: .cascade)
                t.column("channel", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("pid", .integer)
                t.column("nextAt", .double)
                t.column("lastError", .text)
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["jobID", "channel"])
            }
        }
        migrator.registerMigration("v8: dependencies and bundles' own notifications") { db in
            try db.create(table: "dependency") { t in
                t.column("jobID", .text).notNull().references("job", onDelete: .cascade)
                t.column("dependsOn", .text).notNull()
                t.column("reference", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("providesPrompt", .boolean).notNull().defaults(to: false)
                t.primaryKey(["jobID", "dependsOn"])
            }
            try db.create(table: "job_notify") { t in
                t.primaryKey("jobID", .text).references("job", onDelete: .cascade)
                t.column("command", .text)
                t.column("url", .text)
                t.column("states", .text).notNull()
            }
        }
        migrator.registerMigration("v9: searches' trials as child jobs") { db in
            try db.alter(table: "job") { t in
                t.add(column: "parentID", .text).references("job", onDelete: .cascade)
                t.add(column: "trialKey", .text)
            }
            try db.create(index: "job_parent", on: "job", columns: ["parentID"])
        }
        return migrator
    }
}
