-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "traceRetentionHours" INTEGER NOT NULL DEFAULT 72;
-- Existing instances keep their traces as long as their messages.
UPDATE "Instance" SET "traceRetentionHours" = "retentionHours";
