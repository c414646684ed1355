package cloud.agora.protocol.money;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;

/** Reads a wei amount from a decimal string or a JSON integer; anything else is an input error. */
class WeiDeserializer extends StdDeserializer<Wei> {

    WeiDeserializer() {
        super(Wei.class);
    }

    @Override
    public Wei deserialize(JsonParser parser, DeserializationContext context) throws IOException {
        JsonToken token = parser.currentToken();
        try {
            if (token == JsonToken.VALUE_STRING) {
                return Wei.parse(parser.getText());
            }
            if (token == JsonToken.VALUE_NUMBER_INT) {
                return new Wei(parser.getBigIntegerValue());
            }
        } catch (WeiOutOfRangeException e) {
            throw InvalidFormatException.from(parser, e.getMessage(), parser.getText(), Wei.class);
        }
        // never coerce: 1.5 wei or 1e18 written as a float must not silently become an integer
        throw MismatchedInputException.from(parser, Wei.class,
                "a wei amount is a decimal string or a JSON integer, not " + token);
    }
}
