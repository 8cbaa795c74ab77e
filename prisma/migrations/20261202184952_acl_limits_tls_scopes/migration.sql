-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "maxReceiveTps" INTEGER;
ALTER TABLE "Instance" ADD COLUMN "tlsCertFile" TEXT;
ALTER TABLE "Instance" ADD COLUMN "tlsKeyFile" TEXT;

-- AlterTable
ALTER TABLE "ConsoleUser" ADD COLUMN "scopes" TEXT;
