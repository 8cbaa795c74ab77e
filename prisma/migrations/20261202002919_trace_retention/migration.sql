-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Instance" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "kind" TEXT NOT NULL DEFAULT 'embedded',
    "grpcPort" INTEGER NOT NULL,
    "grpcHost" TEXT,
    "maxTps" INTEGER,
    "retentionHours" INTEGER NOT NULL DEFAULT 72,
    "traceRetentionHours" INTEGER NOT NULL DEFAULT 72,
    "maxMessageSize" INTEGER NOT NULL DEFAULT 4194304,
    "flushMode" TEXT NOT NULL DEFAULT 'async',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Instance" ("createdAt", "description", "flushMode", "grpcHost", "grpcPort", "id", "kind", "maxMessageSize", "maxTps", "name", "region", "retentionHours", "updatedAt") SELECT "createdAt", "description", "flushMode", "grpcHost", "grpcPort", "id", "kind", "maxMessageSize", "maxTps", "name", "region", "retentionHours", "updatedAt" FROM "Instance";
DROP TABLE "Instance";
ALTER TABLE "new_Instance" RENAME TO "Instance";
CREATE UNIQUE INDEX "Instance_name_key" ON "Instance"("name");
CREATE INDEX "Instance_region_idx" ON "Instance"("region");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
-- Existing instances keep their traces as long as their messages.
UPDATE "Instance" SET "traceRetentionHours" = "retentionHours";
