-- The URL of VoxHive's receiver that the connection's webhook secret is sent to (set when an
-- assistant or number is pointed there): the secret goes out only beside this URL.
ALTER TABLE connections ADD COLUMN webhook_receiver_url TEXT;
