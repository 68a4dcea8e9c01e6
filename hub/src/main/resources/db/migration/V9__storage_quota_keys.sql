-- Storage quotas count per client address and per owner, not per key (identities are free): every unpublished
-- upload and upload part records the address it came from (IPv4, or IPv6 /64) and the owner of its uploader (the
-- uploader itself while no owner has linked it). Rows from before this migration count for nobody and expire in a day.
ALTER TABLE skill_upload_parts ADD COLUMN quota_addr VARCHAR(80) NOT NULL DEFAULT '';
ALTER TABLE skill_upload_parts ADD COLUMN quota_owner VARCHAR(80) NOT NULL DEFAULT '';
ALTER TABLE skill_blobs ADD COLUMN quota_addr VARCHAR(80) NOT NULL DEFAULT '';
ALTER TABLE skill_blobs ADD COLUMN quota_owner VARCHAR(80) NOT NULL DEFAULT '';
CREATE INDEX skill_upload_parts_addr ON skill_upload_parts (quota_addr);
CREATE INDEX skill_upload_parts_owner ON skill_upload_parts (quota_owner);
CREATE INDEX skill_blobs_addr ON skill_blobs (quota_addr);
CREATE INDEX skill_blobs_owner ON skill_blobs (quota_owner);
