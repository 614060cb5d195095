-- AlterTable
ALTER TABLE "TenantQuota" ADD COLUMN     "maxCommittedOffsets" INTEGER,
ADD COLUMN     "maxGroups" INTEGER;
