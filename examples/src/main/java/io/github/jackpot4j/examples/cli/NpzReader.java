package io.github.jackpot4j.examples.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A strict reader of numpy {@code .npz} files (written by {@code np.savez} or
 * {@code np.savez_compressed}) that trusts nothing in the file: it reads the zip's central directory
 * (refusing duplicate entry names, which {@link ZipFile} would silently resolve to one of them), parses
 * every entry's {@code .npy} header itself (magic, format version 1, 2 or 3, and the header dictionary
 * {@code {'descr': ..., 'fortran_order': ..., 'shape': (...)}}), and checks that each entry holds
 * exactly {@code product(shape) * itemsize} bytes of data (and that its CRC matches). Only
 * little-endian {@code <f4 <f8 <i4 <i8} and {@code |b1} arrays in C order are read; anything else is
 * refused with a one-line {@link IOException} that names the file, the array, its dtype and what is
 * allowed. No DJL, no native code.
 */
final class NpzReader {
    /** The dtypes this reader decodes, with their numpy names. */
    static final Map<String, String> DTYPES = Map.of("<f4", "float32", "<f8", "float64", "<i4", "int32", "<i8", "int64",
            "|b1", "bool");
    /** The largest array this reader loads, in elements (Java arrays are int-indexed). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;
    /** The largest entry (a whole .npy file) this reader loads: the largest Java byte array. */
    static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 16;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** One array of the file: its dtype as numpy writes it ({@code <f4}, ...), shape and raw little-endian data. */
    record Array(String name, String descr, long[] shape, ByteBuffer data) {
        long size() {
            return elements(shape);
        }

        /** The numpy name of the dtype, e.g. float32, or the descr itself when unknown. */
        String dtypeName() {
            String n = DTYPES.get(descr);
            return n == null ? describe(descr) : n + " ('" + descr + "')";
        }

        boolean isFloat() {
            return descr.equals("<f4") || descr.equals("<f8");
        }

        boolean isInt() {
            return descr.equals("<i4") || descr.equals("<i8");
        }

        boolean isBool() {
            return descr.equals("|b1");
        }

        /** The values as float32 (float64 rounds, ints and bools convert). */
        float[] floats() {
            int n = (int) size();
            float[] out = new float[n];
            ByteBuffer d = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (descr) {
                    case "<f4" -> d.getFloat(4 * i);
                    case "<f8" -> (float) d.getDouble(8 * i);
                    case "<i4" -> d.getInt(4 * i);
                    case "<i8" -> d.getLong(8 * i);
                    case "|b1" -> d.get(i) != 0 ? 1f : 0f;
                    default -> throw new IllegalStateException("unsupported dtype " + descr);
                };
            }
            return out;
        }

        /** The values of an int32 / int64 array. */
        long[] longs() {
            int n = (int) size();
            long[] out = new long[n];
            ByteBuffer d = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                out[i] = switch (descr) {
                    case "<i4" -> d.getInt(4 * i);
                    case "<i8" -> d.getLong(8 * i);
                    default -> throw new IllegalStateException("not an integer dtype: " + descr);
                };
            }
            return out;
        }
    }

    private NpzReader() {
    }

    /**
     * Reads every array of {@code file}, by name (the entry name without {@code .npy}), in file order.
     * Any malformed, truncated or unsupported content is an {@link IOException} naming the file.
     */
    static Map<String, Array> read(Path file) throws IOException {
        return read(file, name -> DTYPES.keySet());
    }

    /** Which dtypes (numpy descrs) an array may have; may refuse the name itself with an {@link IOException}. */
    interface Policy {
        Set<String> allowed(String name) throws IOException;
    }

    /**
     * Reads every array of {@code file} as {@link #read(Path)} does, but only with the dtypes
     * {@code policy} allows for its name (asked before the array is read).
     */
    static Map<String, Array> read(Path file, Policy policy) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a folder, not an .npz file");
        }
        if (!Files.exists(file)) {
            throw new IOException(file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a regular file");
        }
        Map<String, Array> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (!seen.add(entry.getName())) {
                    throw new IOException(file + " holds the entry `" + entry.getName()
                            + "` twice; a .npz must name each array once");
                }
                entries.add(entry);
            }
            if (entries.isEmpty()) {
                throw new IOException(file + " holds no arrays");
            }
            for (ZipEntry entry : entries) {
                String entryName = entry.getName();
                if (entry.isDirectory() || !entryName.endsWith(".npy") || entryName.length() == 4) {
                    throw new IOException(file + ": entry `" + entryName
                            + "` is not a .npy array; save with np.savez(path, name=array, ...)");
                }
                String name = entryName.substring(0, entryName.length() - 4);
                Set<String> allowed = policy.allowed(name);
                arrays.put(name, readEntry(file, zip, entry, name, allowed));
            }
        } catch (ZipException e) {
            throw new IOException(file + " is not a readable .npz (zip) file: " + reason(e), e);
        } catch (EOFException e) {
            throw new IOException(file + " is cut short (" + reason(e) + ")", e);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": " + reason(e), e);
        }
        return Collections.unmodifiableMap(arrays);
    }

    private static Array readEntry(Path file, ZipFile zip, ZipEntry entry, String name, Set<String> allowed)
            throws IOException {
        String where = file + ": array `" + name + "`";
        long declared = entry.getSize();
        if (declared < 0) {
            throw new IOException(where + ": the zip directory gives no size");
        }
        if (declared > MAX_ENTRY_BYTES) {
            throw new IOException(where + " is " + declared + " bytes, more than the " + MAX_ENTRY_BYTES
                    + " bytes one array may take");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entry)) {
            // read at most one byte beyond the declared size, so a lying directory cannot exhaust memory
            bytes = readUpTo(in, declared + 1);
        } catch (ZipException e) {
            throw new IOException(where + " cannot be read: " + reason(e), e);
        } catch (EOFException e) {
            throw new IOException(where + " is cut short (" + reason(e) + ")", e);
        } catch (IOException e) {
            throw new IOException(where + " cannot be read: " + reason(e), e);
        }
        if (bytes.length != declared) {
            throw new IOException(where + " holds " + (bytes.length > declared ? "more" : "fewer") + " bytes ("
                    + bytes.length + (bytes.length > declared ? "+" : "") + ") than the zip directory says ("
                    + declared + "): the file is corrupt or cut short");
        }
        if (entry.getCrc() >= 0) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            if (crc.getValue() != entry.getCrc()) {
                throw new IOException(where + " fails its CRC check: the file is corrupt");
            }
        }
        return parseNpy(where, name, bytes, allowed);
    }

    /** Parses one .npy file held in {@code bytes}; {@code where} prefixes every error. */
    static Array parseNpy(String where, String name, byte[] bytes, Set<String> allowed) throws IOException {
        if (bytes.length >= 6 && bytes.length < 10 && Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IOException(where + " is cut short inside its .npy header");
        }
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IOException(where + " is not a .npy array (no \\x93NUMPY magic)");
        }
        int major = bytes[6] & 0xff;
        int headerStart;
        long headerLength;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLength = b.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IOException(where + " is cut short inside its .npy header");
            }
            headerLength = b.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new IOException(where + " has .npy format version " + major + "." + (bytes[7] & 0xff)
                    + "; versions 1, 2 and 3 are supported");
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IOException(where + " is cut short inside its .npy header");
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = HeaderParser.parse(where, header);
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeValue = dict.get("shape");
        if (!dict.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
            throw new IOException(where + " has a .npy header with keys " + dict.keySet()
                    + "; expected exactly 'descr', 'fortran_order' and 'shape'");
        }
        if (!(descr instanceof String)) {
            throw new IOException(where + " has a structured dtype (descr " + descr + "); allowed: "
                    + allowed(allowed));
        }
        if (!(fortran instanceof Boolean)) {
            throw new IOException(where + " has fortran_order = " + fortran + "; expected True or False");
        }
        if (!(shapeValue instanceof long[])) {
            throw new IOException(where + " has shape = " + shapeValue + "; expected a tuple of integers");
        }
        String d = (String) descr;
        long[] shape = (long[]) shapeValue;
        if (!DTYPES.containsKey(d) || !allowed.contains(d)) {
            throw new IOException(where + " has dtype " + describe(d) + "; allowed: " + allowed(allowed));
        }
        if ((Boolean) fortran) {
            throw new IOException(where + " is stored in Fortran order (fortran_order: True); save a C-ordered"
                    + " array (np.ascontiguousarray)");
        }
        for (long dim : shape) {
            if (dim < 0) {
                throw new IOException(where + " has shape " + Arrays.toString(shape) + " with a negative dimension");
            }
        }
        long n = elements(shape);
        if (n < 0 || n > MAX_ELEMENTS) {
            throw new IOException(where + " has shape " + Arrays.toString(shape) + ", more than " + MAX_ELEMENTS
                    + " elements");
        }
        int itemSize = Integer.parseInt(d.substring(2));
        long dataStart = headerStart + headerLength;
        long expected = n * itemSize;
        long actual = bytes.length - dataStart;
        if (actual != expected) {
            throw new IOException(where + " (dtype " + d + ", shape " + Arrays.toString(shape) + ") should hold "
                    + expected + " bytes of data but holds " + actual + (actual < expected ? ": it is cut short" : ""));
        }
        return new Array(name, d, shape, ByteBuffer.wrap(bytes, (int) dataStart, (int) expected).slice()
                .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    /** product(shape), or −1 when it overflows or a dimension is negative. */
    static long elements(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, s);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    static String allowed(Set<String> descrs) {
        List<String> out = new ArrayList<>();
        for (String d : new String[] {"<f4", "<f8", "<i4", "<i8", "|b1"}) {
            if (descrs.contains(d)) {
                out.add(DTYPES.get(d) + " ('" + d + "')");
            }
        }
        return String.join(", ", out);
    }

    /** A readable name for a numpy descr, e.g. {@code '>f4' (big-endian float32)}. */
    static String describe(String descr) {
        if (descr.length() < 3) {
            return "'" + descr + "'";
        }
        char order = descr.charAt(0);
        String kind = switch (descr.charAt(1)) {
            case 'f' -> "float";
            case 'i' -> "int";
            case 'u' -> "uint";
            case 'b' -> "bool";
            case 'c' -> "complex";
            case 'U' -> "unicode";
            case 'S' -> "bytes";
            case 'O' -> "object";
            case 'M' -> "datetime";
            case 'm' -> "timedelta";
            case 'V' -> "void";
            default -> null;
        };
        String bits = "";
        try {
            if (kind != null && "fiuc".indexOf(descr.charAt(1)) >= 0) {
                bits = Integer.toString(8 * Integer.parseInt(descr.substring(2)));
            }
        } catch (NumberFormatException e) {
            bits = "";
        }
        String endian = order == '>' ? "big-endian " : "";
        return kind == null ? "'" + descr + "'" : "'" + descr + "' (" + endian + kind + bits + ")";
    }

    /** Reads at most {@code limit} (≤ {@link #MAX_ENTRY_BYTES} + 1) bytes, growing as data arrives. */
    private static byte[] readUpTo(InputStream in, long limit) throws IOException {
        // the declared size is not trusted for the allocation: a lying directory cannot exhaust memory
        long cap = Math.min(limit, MAX_ENTRY_BYTES);
        byte[] buf = new byte[(int) Math.min(cap, 1 << 16)];
        int n = 0;
        while (n < limit) {
            if (n == buf.length) {
                if (buf.length >= cap) {
                    if (in.read() >= 0) {
                        throw new IOException("it holds more than " + MAX_ENTRY_BYTES + " bytes");
                    }
                    return buf;
                }
                buf = Arrays.copyOf(buf, (int) Math.min(cap, (long) buf.length * 2));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replaceAll("\\s+", " ").trim();
    }

    /** The Python-literal dictionary of a .npy header: strings, True/False/None, integers and tuples. */
    static final class HeaderParser {
        private final String where;
        private final String s;
        private int i;

        private HeaderParser(String where, String s) {
            this.where = where;
            this.s = s;
        }

        static Map<String, Object> parse(String where, String header) throws IOException {
            HeaderParser p = new HeaderParser(where, header);
            Object dict = p.value();
            p.skipSpace();
            if (p.i != header.length() || !(dict instanceof Map)) {
                throw p.error("is not a dictionary");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) dict;
            return m;
        }

        private IOException error(String what) {
            String shown = s.length() > 120 ? s.substring(0, 120) + "..." : s;
            return new IOException(where + " has a malformed .npy header (" + what + "): "
                    + shown.replaceAll("\\s+", " ").trim());
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private boolean eat(char c) {
            skipSpace();
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private Object value() throws IOException {
            skipSpace();
            if (i >= s.length()) {
                throw error("ends early");
            }
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                while (!eat('}')) {
                    Object key = value();
                    if (!(key instanceof String)) {
                        throw error("a key is not a string");
                    }
                    if (!eat(':')) {
                        throw error("':' expected");
                    }
                    if (m.put((String) key, value()) != null) {
                        throw error("key '" + key + "' appears twice");
                    }
                    if (!eat(',')) {
                        if (!eat('}')) {
                            throw error("',' or '}' expected");
                        }
                        break;
                    }
                }
                return m;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                i++;
                List<Object> items = new ArrayList<>();
                while (!eat(close)) {
                    items.add(value());
                    if (!eat(',')) {
                        if (!eat(close)) {
                            throw error("',' or '" + close + "' expected");
                        }
                        break;
                    }
                }
                if (c == '[') {
                    return items; // a structured dtype's field list
                }
                long[] tuple = new long[items.size()];
                for (int j = 0; j < tuple.length; j++) {
                    if (!(items.get(j) instanceof Long)) {
                        return items;
                    }
                    tuple[j] = (Long) items.get(j);
                }
                return tuple;
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String v = s.substring(i + 1, end);
                i = end + 1;
                return v;
            }
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '-'
                    || s.charAt(i) == '_')) {
                i++;
            }
            String word = s.substring(start, i);
            switch (word) {
                case "True":
                    return Boolean.TRUE;
                case "False":
                    return Boolean.FALSE;
                case "None":
                    return "None";
                default:
                    break;
            }
            String digits = word.endsWith("L") ? word.substring(0, word.length() - 1) : word;
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error(word.isEmpty() ? "unexpected '" + c + "'" : "unexpected '" + word + "'");
            }
        }
    }
}
