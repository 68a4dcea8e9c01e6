-- Unpublished uploads and parts expire a day after their last use (SkillsApi.expireUploads runs with every upload);
-- these indexes keep that to the expired rows instead of a scan over every stored package.
CREATE INDEX skill_blobs_created ON skill_blobs (created_ms);
CREATE INDEX skill_upload_parts_created ON skill_upload_parts (created_ms);
