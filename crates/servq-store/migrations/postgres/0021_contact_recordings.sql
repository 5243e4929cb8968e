-- servq schema v21: where a contact's call recording is (an http(s) address from the contacts
-- import's optional `recording_url` column; empty: none). The contact page links to it and plays
-- it when the browser can.
ALTER TABLE contacts ADD COLUMN recording_url TEXT NOT NULL DEFAULT '';
