//! A real SMTP receiver on 127.0.0.1 for the tests (mailin-embedded on a thread), whose answers
//! can be switched to temporary or permanent failures.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Handler, Server, SslConfig};

/// How the receiver answers the next messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 at the end of DATA: try again later.
    TempFail,
    /// 550 for the recipient: never deliverable.
    PermFail,
}

/// One message as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// A header's value (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut lines = head.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if let Some((key, value)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                let mut value = value.trim().to_owned();
                while lines.peek().is_some_and(|next| next.starts_with(' ') || next.starts_with('\t')) {
                    value.push(' ');
                    value.push_str(lines.next().unwrap().trim());
                }
                return Some(value);
            }
        }
        None
    }

    /// The message with quoted-printable soft line breaks and escapes undone (good enough to
    /// search the text and HTML bodies).
    pub fn decoded(&self) -> String {
        let joined = self.data.replace("=\r\n", "");
        let mut out = String::with_capacity(joined.len());
        let bytes = joined.as_bytes();
        let mut i = 0;
        let mut raw = Vec::new();
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit()
            {
                raw.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                raw.push(bytes[i]);
                i += 1;
            }
        }
        out.push_str(&String::from_utf8_lossy(&raw));
        out
    }
}

#[derive(Clone)]
struct Recorder {
    mode: Arc<Mutex<Mode>>,
    inbox: Arc<Mutex<Vec<Received>>>,
    current: Option<Received>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, _to: &str) -> Response {
        if *self.mode.lock().unwrap() == Mode::PermFail { response::NO_MAILBOX } else { response::OK }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received { from: from.to_owned(), to: to.to_vec(), data: String::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = self.current.take();
        if *self.mode.lock().unwrap() == Mode::TempFail {
            return response::INTERNAL_ERROR;
        }
        if let Some(message) = message {
            self.inbox.lock().unwrap().push(message);
        }
        response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

/// A running receiver. It lives until the test process ends.
#[derive(Clone)]
pub struct SmtpReceiver {
    pub port: u16,
    mode: Arc<Mutex<Mode>>,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpReceiver {
    pub fn start() -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        SmtpReceiver::start_on(listener)
    }

    /// Starts on a listener the caller bound (to bring a receiver up on a known port).
    pub fn start_on(listener: TcpListener) -> SmtpReceiver {
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(Mode::Accept));
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder { mode: mode.clone(), inbox: inbox.clone(), current: None };
        std::thread::spawn(move || {
            let mut server = Server::new(recorder);
            server
                .with_name("receiver.test")
                .with_ssl(SslConfig::None)
                .unwrap()
                .with_num_threads(4)
                .with_tcp_listener(listener);
            let _ = server.serve();
        });
        SmtpReceiver { port, mode, inbox }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}
