-- CreateTable
CREATE TABLE "MetricSeries" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "instanceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "lastAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "MetricSample" (
    "seriesId" INTEGER NOT NULL,
    "resolution" INTEGER NOT NULL,
    "at" DATETIME NOT NULL,
    "values" TEXT NOT NULL,

    PRIMARY KEY ("seriesId", "resolution", "at"),
    CONSTRAINT "MetricSample_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "MetricSeries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "scopeKind" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "scopeName" TEXT NOT NULL DEFAULT '',
    "metric" TEXT NOT NULL,
    "comparison" TEXT NOT NULL DEFAULT 'gt',
    "threshold" REAL NOT NULL,
    "forMinutes" INTEGER NOT NULL DEFAULT 0,
    "windowMinutes" INTEGER NOT NULL DEFAULT 5,
    "severity" TEXT NOT NULL DEFAULT 'warning',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "channelIds" TEXT NOT NULL DEFAULT '[]',
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "pendingSince" DATETIME,
    "firingId" TEXT
);

-- CreateTable
CREATE TABLE "NotificationChannel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastStatus" TEXT,
    "lastError" TEXT,
    "lastSentAt" DATETIME,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ruleId" TEXT NOT NULL,
    "ruleName" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "value" REAL NOT NULL,
    "threshold" REAL NOT NULL,
    "firedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" DATETIME,
    "message" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "eventId" TEXT,
    "channelId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "payload" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    CONSTRAINT "AlertDelivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "AlertEvent" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AlertDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "NotificationChannel" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProbeResult" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "instanceId" TEXT NOT NULL,
    "check" TEXT NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "latencyMs" REAL NOT NULL,
    "error" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

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
    "proberEnabled" BOOLEAN NOT NULL DEFAULT false,
    "proberIntervalSec" INTEGER NOT NULL DEFAULT 60,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Instance" ("createdAt", "description", "flushMode", "grpcHost", "grpcPort", "id", "kind", "maxMessageSize", "maxTps", "name", "region", "retentionHours", "traceRetentionHours", "updatedAt") SELECT "createdAt", "description", "flushMode", "grpcHost", "grpcPort", "id", "kind", "maxMessageSize", "maxTps", "name", "region", "retentionHours", "traceRetentionHours", "updatedAt" FROM "Instance";
DROP TABLE "Instance";
ALTER TABLE "new_Instance" RENAME TO "Instance";
CREATE UNIQUE INDEX "Instance_name_key" ON "Instance"("name");
CREATE INDEX "Instance_region_idx" ON "Instance"("region");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "MetricSeries_instanceId_lastAt_idx" ON "MetricSeries"("instanceId", "lastAt");

-- CreateIndex
CREATE UNIQUE INDEX "MetricSeries_instanceId_kind_name_key" ON "MetricSeries"("instanceId", "kind", "name");

-- CreateIndex
CREATE INDEX "MetricSample_resolution_at_idx" ON "MetricSample"("resolution", "at");

-- CreateIndex
CREATE INDEX "AlertRule_instanceId_idx" ON "AlertRule"("instanceId");

-- CreateIndex
CREATE UNIQUE INDEX "NotificationChannel_name_key" ON "NotificationChannel"("name");

-- CreateIndex
CREATE INDEX "AlertEvent_resolvedAt_idx" ON "AlertEvent"("resolvedAt");

-- CreateIndex
CREATE INDEX "AlertEvent_firedAt_idx" ON "AlertEvent"("firedAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_state_nextAt_idx" ON "AlertDelivery"("state", "nextAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_channelId_createdAt_idx" ON "AlertDelivery"("channelId", "createdAt");

-- CreateIndex
CREATE INDEX "ProbeResult_instanceId_check_at_idx" ON "ProbeResult"("instanceId", "check", "at");

-- CreateIndex
CREATE INDEX "ProbeResult_at_idx" ON "ProbeResult"("at");
