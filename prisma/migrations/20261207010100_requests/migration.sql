-- Self-service with approval: per tenant, whether members create topics and API keys directly or request them, and
-- the requests (a topic, ACL bindings, an API key, a quota raise) with who asked, why, and who decided.

-- CreateEnum
CREATE TYPE "SelfServiceMode" AS ENUM ('REQUEST', 'DIRECT');

-- CreateEnum
CREATE TYPE "AccessRequestKind" AS ENUM ('TOPIC', 'ACL', 'API_KEY', 'QUOTA');

-- CreateEnum
CREATE TYPE "AccessRequestState" AS ENUM ('PENDING', 'APPROVED', 'COMPLETED', 'REJECTED', 'CANCELLED');

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN "selfServiceMode" "SelfServiceMode" NOT NULL DEFAULT 'REQUEST';

-- CreateTable
CREATE TABLE "AccessRequest" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "AccessRequestKind" NOT NULL,
    "state" "AccessRequestState" NOT NULL DEFAULT 'PENDING',
    "payload" JSONB NOT NULL,
    "reason" TEXT NOT NULL,
    "requesterId" UUID,
    "requesterEmail" TEXT NOT NULL,
    "deciderId" UUID,
    "deciderEmail" TEXT,
    "decisionComment" TEXT,
    "decidedAt" TIMESTAMP(3),
    "result" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AccessRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccessRequest_tenantId_state_idx" ON "AccessRequest"("tenantId", "state");

-- CreateIndex
CREATE INDEX "AccessRequest_requesterId_state_idx" ON "AccessRequest"("requesterId", "state");

-- AddForeignKey
ALTER TABLE "AccessRequest" ADD CONSTRAINT "AccessRequest_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
