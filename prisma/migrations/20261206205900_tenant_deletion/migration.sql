-- AlterEnum
ALTER TYPE "TenantStatus" ADD VALUE 'DELETING';

-- CreateTable
CREATE TABLE "TenantDeletion" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "requestedById" UUID,
    "requestedByEmail" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "removed" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "TenantDeletion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TenantDeletion_tenantId_key" ON "TenantDeletion"("tenantId");

-- CreateIndex
CREATE INDEX "TenantDeletion_slug_idx" ON "TenantDeletion"("slug");

-- CreateIndex
CREATE INDEX "TenantDeletion_finishedAt_idx" ON "TenantDeletion"("finishedAt");
