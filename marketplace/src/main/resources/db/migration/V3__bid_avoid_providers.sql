-- providers a bid must not be placed on (JSON array of addresses); empty for every earlier bid
ALTER TABLE bids ADD COLUMN avoid_providers TEXT NOT NULL DEFAULT '[]';
