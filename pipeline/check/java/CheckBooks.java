// EPUBCheck's own command line, run once per book in one Java process (pipeline/epubcheck_batch.py):
// line N of standard input (from 0) is "<book>\t<report.json>"; the book is checked with the options given
// as arguments and `--json <report.json>`, and "checked N: exit <code>" is printed with the exit code the
// command line would have ended with. The JVM starts and loads EPUBCheck's schemas once, not per book.
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
        int number = 0;
        while ((line = input.readLine()) != null) {
            String[] paths = line.split("\t", 2);
            List<String> arguments = new ArrayList<>();
            arguments.add(paths[0]);
            arguments.addAll(Arrays.asList(options));
            arguments.add("--json");
            arguments.add(paths[1]);
            int code = new EpubChecker().run(arguments.toArray(new String[0]));
            System.out.println("checked " + number + ": exit " + code);
            number++;
            System.out.flush();
        }
    }
}
