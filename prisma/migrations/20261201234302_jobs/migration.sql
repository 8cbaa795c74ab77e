-- CreateTable
CREATE TABLE "Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "state" TEXT NOT NULL DEFAULT 'QUEUED',
    "done" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "cursor" TEXT,
    "result" TEXT NOT NULL DEFAULT '{}',
    "error" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Job_instanceId_createdAt_idx" ON "Job"("instanceId", "createdAt");

-- CreateIndex
CREATE INDEX "Job_state_idx" ON "Job"("state");
