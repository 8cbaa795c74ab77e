-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "maxReceiveTps" INTEGER,
ADD COLUMN     "tlsCertFile" TEXT,
ADD COLUMN     "tlsKeyFile" TEXT;

-- AlterTable
ALTER TABLE "ConsoleUser" ADD COLUMN     "scopes" TEXT;
