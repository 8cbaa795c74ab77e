-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "errorMessage" TEXT;
