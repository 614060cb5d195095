-- Lag counts every partition a group consumes: a partition without a committed offset is sampled with
-- "committedOffset" NULL (its lag counted from the group's reset position), in raw samples and in roll-ups.
ALTER TABLE "ConsumerLagSample" ALTER COLUMN "committedOffset" DROP NOT NULL;
ALTER TABLE "ConsumerLagRollup" ALTER COLUMN "committedOffset" DROP NOT NULL;
