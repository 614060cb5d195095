import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per line on stdout: what the Java client programs observed, for the TypeScript tests to assert on.
 * Values may be null, strings, numbers, booleans, collections and maps (nested).
 */
final class Observations {
  private Observations() {}

  /** Prints {"check": check, k1: v1, ...} as one line. */
  static synchronized void emit(String check, Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("check", check);
    for (int i = 0; i + 1 < keyValues.length; i += 2) m.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
    StringBuilder sb = new StringBuilder();
    write(sb, m);
    System.out.println(sb);
    System.out.flush();
  }

  /** Runs a step; a failure becomes {"check": check, "error": class, "message": ...} instead of ending the program. */
  static void step(String check, ThrowingRunnable body) {
    try {
      body.run();
    } catch (Throwable t) {
      Throwable cause = t;
      while (cause.getCause() != null && (cause instanceof java.util.concurrent.ExecutionException
          || cause instanceof java.util.concurrent.CompletionException)) cause = cause.getCause();
      emit(check, "error", cause.getClass().getSimpleName(), "message", String.valueOf(cause.getMessage()));
    }
  }

  /** The simple class name of the exception a future fails with, or "none". */
  static String errorOf(org.apache.kafka.common.KafkaFuture<?> future) {
    try {
      future.get();
      return "none";
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause().getClass().getSimpleName();
    } catch (InterruptedException e) {
      throw new RuntimeException(e);
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static <T> ArrayList<T> list(Collection<T> c) {
    return new ArrayList<>(c);
  }

  @SuppressWarnings("unchecked")
  private static void write(StringBuilder sb, Object v) {
    if (v == null) sb.append("null");
    else if (v instanceof String s) quote(sb, s);
    else if (v instanceof Number || v instanceof Boolean) sb.append(v);
    else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Iterable<?> it) {
      sb.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) sb.append(',');
        first = false;
        write(sb, o);
      }
      sb.append(']');
    } else quote(sb, v.toString());
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
