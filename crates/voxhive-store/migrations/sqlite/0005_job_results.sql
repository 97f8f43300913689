-- What a finished job produced (a JSON object), shown to the user who started it.
ALTER TABLE jobs ADD COLUMN result TEXT;
