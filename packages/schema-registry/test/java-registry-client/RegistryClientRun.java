import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.cloud.stream.schema.registry.SchemaReference;
import org.springframework.cloud.stream.schema.registry.SchemaRegistrationResponse;
import org.springframework.cloud.stream.schema.registry.client.ConfluentSchemaRegistryClient;
import org.springframework.http.client.support.BasicAuthenticationInterceptor;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.RestTemplate;

/**
 * Spring Cloud Stream's ConfluentSchemaRegistryClient (Confluent's REST API, from Maven Central) against a registry:
 * args URL USER PASSWORD SUBJECT SCHEMA_V1 SCHEMA_V2 SCHEMA_BREAKING (USER "-" for no auth). Prints one JSON line per
 * step: what the client returned, or the HTTP status or the exception it failed with.
 */
public class RegistryClientRun {
  static final ObjectMapper JSON = new ObjectMapper();

  interface Step {
    Object run() throws Exception;
  }

  static void step(String name, Step step) throws Exception {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", name);
    try {
      Object result = step.run();
      if (result instanceof SchemaRegistrationResponse r) {
        line.put("id", r.getId());
        line.put("subject", r.getSchemaReference().getSubject());
        line.put("version", r.getSchemaReference().getVersion());
      } else {
        line.put("schema", JSON.readTree((String) result));
      }
    } catch (HttpStatusCodeException e) {
      line.put("status", e.getStatusCode().value());
    } catch (RuntimeException e) {
      line.put("error", e.getClass().getSimpleName());
      if (e.getCause() instanceof HttpStatusCodeException cause) line.put("status", cause.getStatusCode().value());
    }
    System.out.println(JSON.writeValueAsString(line));
  }

  public static void main(String[] args) throws Exception {
    RestTemplate rest = new RestTemplate();
    if (!args[1].equals("-")) rest.getInterceptors().add(new BasicAuthenticationInterceptor(args[1], args[2]));
    ConfluentSchemaRegistryClient client = new ConfluentSchemaRegistryClient(rest);
    client.setEndpoint(args[0]);
    String subject = args[3];
    step("register v1", () -> client.register(subject, "avro", args[4]));
    step("register v1 again", () -> client.register(subject, "avro", args[4]));
    step("register v2", () -> client.register(subject, "avro", args[5]));
    step("fetch version 1", () -> client.fetch(new SchemaReference(subject, 1, "avro")));
    step("fetch version 2", () -> client.fetch(new SchemaReference(subject, 2, "avro")));
    step("fetch version 9", () -> client.fetch(new SchemaReference(subject, 9, "avro")));
    step("register a breaking change", () -> client.register(subject, "avro", args[6]));
  }
}
