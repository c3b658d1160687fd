-- Jobs get an owner (the submitting user; NULL for ADMIN_TOKEN and code), a request fingerprint for
-- Idempotency-Key reuse checks, and a `cancelled` status (DELETE /api/v1/jobs/:id).

-- AlterEnum
ALTER TYPE "JobStatus" ADD VALUE 'cancelled';

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN "request_hash" TEXT,
ADD COLUMN "owner_id" UUID;

-- CreateIndex
CREATE INDEX "jobs_owner_id_created_at_idx" ON "jobs"("owner_id", "created_at");

-- CreateIndex
CREATE INDEX "jobs_owner_id_status_run_at_idx" ON "jobs"("owner_id", "status", "run_at");
