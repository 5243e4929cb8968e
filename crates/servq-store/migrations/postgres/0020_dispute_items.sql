-- servq schema v20: an agent disputes an evaluation item by item. `dispute_items` holds the
-- disputed items as JSON, [{"item_id": "...", "reason": "..."}] (empty list: the dispute is about
-- the evaluation as a whole), next to the overall `dispute_reason`.
ALTER TABLE evaluations ADD COLUMN dispute_items TEXT NOT NULL DEFAULT '[]';
