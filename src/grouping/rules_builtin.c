/* Built-in stack trace rules, applied before every project's own rules.
 *
 * This rule set is faultline's own. It was written from public facts about where each ecosystem
 * installs library, runtime and system code, plus the category mechanism that Sentry's public
 * stack-trace-rules documentation describes (reference/sentry.md section 1.8: a frame gets a
 * `category`, and a few category rules decide what stays out of the app / out of the hash). It
 * is not derived from Sentry's enhancement configuration files, so hashes of events whose frames
 * hit rules there that are absent here (or the other way round) can differ from Sentry's.
 *
 * Order matters: every matching rule applies, top to bottom, later ones win. So "this is app
 * code" rules come first and "this is library code" rules after them. Syntax: see enhance.c.
 *
 * Families: `native` (native, c, objc, cocoa, swift), `javascript` (javascript, node), `other`
 * (python, java, ruby, php, go, csharp, ...). Paths and packages match case-insensitively. */

const char grouping_builtin_enhancements[] =
    /* ---- native: the app's own bundle (iOS/macOS apps, simulator builds) ------------------- */
    "family:native package:**/Bundle/Application/** +app\n"
    "family:native package:**/CoreSimulator/Devices/** +app\n"
    "family:native package:**.app/Contents/MacOS/** +app\n"

    /* ---- native: operating system libraries ------------------------------------------------ */
    /* Linux/BSD shared libraries and the dynamic loader */
    "family:native package:/lib/** category=system\n"
    "family:native package:/lib64/** category=system\n"
    "family:native package:/usr/lib/** category=system\n"
    "family:native package:/usr/lib64/** category=system\n"
    "family:native package:/usr/local/lib/** category=system\n"
    "family:native package:linux-vdso.so* category=system\n"
    "family:native package:linux-gate.so* category=system\n"
    /* Apple platforms: system frameworks, libSystem, the Swift runtime shipped in app bundles */
    "family:native package:/System/Library/** category=system\n"
    "family:native package:libsystem_* category=system\n"
    "family:native package:libobjc* category=system\n"
    "family:native package:libdyld.dylib category=system\n"
    "family:native package:**/Frameworks/libswift*.dylib category=system\n"
    /* Windows system directory */
    "family:native package:C:/Windows/** category=system\n"
    /* Android: platform libraries and APEX modules */
    "family:native package:/system/** category=system\n"
    "family:native package:/apex/** category=system\n"
    "family:native package:/vendor/** category=system\n"

    /* ---- native: language runtimes ---------------------------------------------------------- */
    /* Rust standard library (std, core, alloc) and its panic machinery */
    "family:native function:std::* -app\n"
    "family:native function:core::* -app\n"
    "family:native function:alloc::* -app\n"
    "family:native function:__rust_* -app\n"
    "family:native function:rust_begin_unwind category=throw\n"
    "family:native function:*::panicking::* category=throw\n"
    /* C++ / C / Objective-C / Windows ways of raising an error or dying */
    "family:native function:__cxa_throw category=throw\n"
    "family:native function:_CxxThrowException category=throw\n"
    "family:native function:std::terminate category=throw\n"
    "family:native function:abort category=throw\n"
    "family:native function:raise category=throw\n"
    "family:native function:__assert_fail category=throw\n"
    "family:native function:__assert_rtn category=throw\n"
    "family:native function:RaiseException category=throw\n"
    "family:native function:objc_exception_throw category=throw\n"
    /* signal delivery: the frames above it belong to the crash handler, not to the bug */
    "family:native function:_sigtramp category=handler\n"
    "family:native function:__restore_rt category=handler\n"
    /* where every thread or process starts: says nothing about the bug */
    "family:native function:start category=threadbase\n"
    "family:native function:thread_start category=threadbase\n"
    "family:native function:start_thread category=threadbase\n"
    "family:native function:_pthread_start category=threadbase\n"
    "family:native function:__libc_start_main category=threadbase\n"
    "family:native function:__libc_start_call_main category=threadbase\n"
    "family:native function:BaseThreadInitThunk category=threadbase\n"
    "family:native function:RtlUserThreadStart category=threadbase\n"

    /* ---- native: crash reporters (Sentry native/Cocoa SDKs, Breakpad, Crashpad) ------------- */
    "family:native package:**/Sentry.framework/** -app -group\n"
    "family:native function:sentry_* -app -group\n"
    "family:native function:google_breakpad::* -app -group\n"
    "family:native function:crashpad::* -app -group\n"

    /* ---- Python: installed packages, the standard library, the SDK ------------------------- */
    "path:**/site-packages/** -app\n"
    "path:**/dist-packages/** -app\n"
    "family:other path:/usr/lib/python*/** -app\n"
    "family:other path:/usr/local/lib/python*/** -app\n"
    "family:other path:\"<frozen *>\" -app\n"
    "family:other module:sentry_sdk.* -app -group\n"

    /* ---- JavaScript / Node: packages, Node internals, polyfills, CDNs, the SDK -------------- */
    "path:**/node_modules/** -app\n"
    "family:javascript path:node:** -app -group\n"
    "family:javascript function:processTicksAndRejections -app -group\n"
    "family:javascript function:runMicrotasks -app -group\n"
    "family:javascript function:runNextTicks -app -group\n"
    "module:@babel/** -app -group\n"
    "module:core-js/** -app -group\n"
    "module:regenerator-runtime/** -app -group\n"
    "module:tslib/** -app -group\n"
    "family:javascript path:**/node_modules/@sentry/** -group\n"
    "family:javascript path:https://unpkg.com/** -app\n"
    "family:javascript path:https://cdn.jsdelivr.net/** -app\n"
    "family:javascript path:https://cdnjs.cloudflare.com/** -app\n"

    /* ---- JVM: the JDK, the common languages and frameworks (all "framework", so -app) ------ */
    "module:java.* category=framework\n"
    "module:javax.* category=framework\n"
    "module:jakarta.* category=framework\n"
    "module:jdk.* category=framework\n"
    "module:sun.* category=framework\n"
    "module:com.sun.* category=framework\n"
    "module:kotlin.* category=framework\n"
    "module:kotlinx.* category=framework\n"
    "module:scala.* category=framework\n"
    "module:groovy.* category=framework\n"
    "module:org.codehaus.groovy.* category=framework\n"
    "module:org.springframework.* category=framework\n"
    "module:org.apache.* category=framework\n"
    "module:org.hibernate.* category=framework\n"
    "module:org.eclipse.jetty.* category=framework\n"
    "module:org.junit.* category=framework\n"
    "module:junit.* category=framework\n"
    "module:io.netty.* category=framework\n"
    "module:reactor.* category=framework\n"
    "module:io.reactivex.* category=framework\n"
    "module:com.fasterxml.* category=framework\n"
    "module:com.google.common.* category=framework\n"
    "module:okhttp3.* category=framework\n"
    "module:akka.* category=framework\n"
    /* Android platform classes */
    "module:android.* category=framework\n"
    "module:androidx.* category=framework\n"
    "module:com.android.* category=framework\n"
    "module:dalvik.* category=framework\n"
    /* the Java SDK's own frames never say anything about the bug */
    "module:io.sentry.* category=framework -group\n"

    /* ---- Ruby: gems (system, bundler, version managers), the standard library -------------- */
    "family:other path:**/gems/** -app\n"
    "family:other path:/usr/lib/ruby/** -app\n"
    "family:other path:/usr/local/lib/ruby/** -app\n"
    "family:other path:**/.rbenv/versions/** -app\n"
    "family:other path:**/.rvm/rubies/** -app\n"
    "family:other path:**/gems/sentry-*/** -group\n"

    /* ---- PHP (Composer), and vendored code in general -------------------------------------- */
    "path:**/vendor/** -app\n"
    "family:other path:**/vendor/sentry/** -group\n"

    /* ---- Go: the runtime, GOROOT, the module cache ----------------------------------------- */
    "family:other path:**/go/pkg/mod/** -app\n"
    "family:other path:/usr/local/go/src/** -app\n"
    "family:other path:/usr/lib/go*/src/** -app\n"
    "family:other module:runtime -app\n"
    "family:other module:runtime/** -app\n"
    "family:other module:github.com/getsentry/sentry-go* -app -group\n"

    /* ---- .NET: the base class library and Microsoft frameworks, the SDK -------------------- */
    "family:other module:System.* -app\n"
    "family:other module:Microsoft.* -app\n"
    "family:other module:Sentry.* -app -group\n"

    /* ---- what the categories mean (reference/sentry.md 1.8) -------------------------------- */
    "category:system -app\n"
    "category:framework -app\n"
    /* the frames that raise, and everything above them (the raising machinery), are noise */
    "category:throw ^-group -group ^-app -app\n"
    /* a signal handler's own frames and the crash handler above it */
    "category:handler ^-group -group\n"
    /* thread / process entry points and everything below them */
    "category:threadbase -group v-group\n";
