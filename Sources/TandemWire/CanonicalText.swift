/// An unambiguous text encoding of a list of fields for authentication codes: each field as
/// `<utf8 byte count>:<text>\n`, so no choice of field contents can make two lists encode alike.
public enum CanonicalText {
    public static func join(_ fields: [String]) -> String {
        fields.map { "\($0.utf8.count):\($0)\n" }.joined()
    }
}
