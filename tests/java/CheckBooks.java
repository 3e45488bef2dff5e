// EPUBCheck's own command line, run once per book in one Java process: each line of standard input is
// "<book>\t<report.json>"; each book is checked with `--json <report.json>` and the options given as
// arguments, and "checked <book>: exit <code>" is printed with the exit code the command line would have
// ended with. One process instead of one per book: the JVM starts and loads EPUBCheck's schemas once.
import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class CheckBooks {
    public static void main(String[] options) throws Exception {
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = input.readLine()) != null) {
            String[] paths = line.split("\t", 2);
            List<String> arguments = new ArrayList<>();
            arguments.add(paths[0]);
            arguments.addAll(Arrays.asList(options));
            arguments.add("--json");
            arguments.add(paths[1]);
            int code = new EpubChecker().run(arguments.toArray(new String[0]));
            System.out.println("checked " + paths[0] + ": exit " + code);
            System.out.flush();
        }
    }
}
