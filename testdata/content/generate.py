#!/usr/bin/env python3
"""Regenerates the labelled content set (synthetic mail, example.com/.test
addresses only). Run from this directory: python3 generate.py"""
import base64, os, quopri, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
n = {}

def eml(cat, label, name, body, subject="Hello", ctype="text/plain; charset=utf-8",
        cte="8bit", env=None, threshold=None, from_name="Sam Sender", extra=""):
    d = os.path.join(HERE, cat, label)
    os.makedirs(d, exist_ok=True)
    h = [f'From: "{from_name}" <sender@example.com>' if from_name else "From: sender@example.com",
         "To: pupil@school.test", f"Subject: {subject}",
         "Date: Mon, 02 Mar 2026 10:00:00 +0000", f"Message-ID: <{cat}-{label}-{name}@example.com>",
         "MIME-Version: 1.0"]
    if env: h.append(f"X-Lychgate-Test-Envelope: {env}")
    if threshold: h.append(f"X-Lychgate-Test-Threshold: {threshold}")
    if extra: h.append(extra)
    if ctype: h.append(f"Content-Type: {ctype}")
    if cte: h.append(f"Content-Transfer-Encoding: {cte}")
    if cte == "base64":
        body = base64.encodebytes(body.encode()).decode()
    elif cte == "quoted-printable":
        body = quopri.encodestring(body.encode()).decode()
    data = "\r\n".join(h) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n")
    if not data.endswith("\r\n"): data += "\r\n"
    with open(os.path.join(d, name + ".eml"), "w", newline="") as f:
        f.write(data)

def b64subj(s): return "=?UTF-8?B?" + base64.b64encode(s.encode()).decode() + "?="
def qsubj(s): return "=?UTF-8?Q?" + quopri.encodestring(s.encode(), header=True).decode() + "?="

def mime_html(html): return html

for c in ("profanity", "safeguarding", "pii", "illegal"):
    shutil.rmtree(os.path.join(HERE, c), ignore_errors=True)

P = "profanity"
pos = {
    "plain": "You are such a fucking idiot.",
    "british-wanker": "Oi you wanker, give it back.",
    "british-twat": "Stop being a twat in class.",
    "british-bollocks": "That test was total bollocks.",
    "british-bellend": "Tom is a right bellend.",
    "british-knobhead": "You knobhead, you left it on the bus.",
    "british-tosser": "what a tosser",
    "leet-sh1t": "This is sh1t, you know it.",
    "leet-f4ck-dollar": "you are a $hithead",
    "leet-at": "@sshole, give it back",
    "leet-digits": "b4st4rd you are",
    "dots": "F.U.C.K you and your friends",
    "spaces": "f u c k off now",
    "hyphens": "you c-u-n-t",
    "underscores": "you b_a_s_t_a_r_d",
    "mixed-seps": "s. h. i. t. happens to you",
    "repeats": "fuuuuuuck you",
    "repeats-double": "you are a waaaankerrrr",
    "repeats-caps": "SHIIIIIT you lost it",
    "confusable-cyrillic": "you are a \u0441unt",   # Cyrillic es
    "confusable-greek": "f\u03bfck off",            # Greek omicron? (fock) -> not a word
    "fullwidth": "\uff46\uff55\uff43\uff4b off",
    "math-bold": "\U0001d41f\U0001d42e\U0001d41c\U0001d424 you",
    "zero-width": "fu\u200bck off you",
    "zwj-soft-hyphen": "wan\u00adker, you w\u200dan\u200cker",
    "combining-marks": "fu\u0308ck you",
    "accents": "f\u00fcck y\u00f6u",
    "motherf": "motherfucker",
    "case": "FuCk YoU",
    "punct-end": "you absolute twat!!!",
    "bang-leet": "sh!t you",
}
# fix: Greek omicron gives "fock"; use Cyrillic u-lookalike instead
pos["confusable-greek"] = "f\u057dck you"  # Armenian seh looks like u
for k, v in pos.items():
    eml(P, "pos", k, v + "\n")
eml(P, "pos", "qp-soft-break", "You are a fuc=\nking idiot and a wan=\nker.\n".replace("\n", "\n"), cte=None, ctype="text/plain; charset=utf-8",
    extra="Content-Transfer-Encoding: quoted-printable")
eml(P, "pos", "base64-body", "You are a fucking idiot.\n", cte="base64")
eml(P, "pos", "html-entities", "<p>you &#102;&#117;&#99;&#107;ing idiot</p>\n", ctype="text/html; charset=utf-8")
eml(P, "pos", "html-comment", "<p>you fu<!-- hidden -->ck<b>ing</b> idiot</p>\n", ctype="text/html; charset=utf-8")
eml(P, "pos", "html-named-entity", "<div>what a tw&#x61;t &amp; a half</div>\n", ctype="text/html; charset=utf-8")
eml(P, "pos", "subject-b64", "see subject\n", subject=b64subj("you are a fucking idiot"))
eml(P, "pos", "subject-q", "see subject\n", subject=qsubj("total bollocks mate"))
eml(P, "pos", "subject-confusable", "see subject\n", subject=b64subj("\u0455\u04bbit"))  # Cyrillic dze, shha
eml(P, "pos", "display-name", "see the sender\n", from_name="Mr Wanker")
eml(P, "pos", "multipart-alt", "--b1\nContent-Type: text/plain; charset=utf-8\n\nhello\n--b1\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n<p>you sh=\n!t</p>\n--b1--\n",
    ctype='multipart/alternative; boundary="b1"', cte=None)
eml(P, "pos", "attachment-text", "--b2\nContent-Type: text/plain\n\nsee attached\n--b2\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(b"The teacher is a twat.").decode() + "--b2--\n",
    ctype='multipart/mixed; boundary="b2"', cte=None)
eml(P, "pos", "pupil-intensifier", "the fucking bus was late again\n", env="sender-groups=pupils; sender-school=s1; direction=internal", threshold="medium")
eml(P, "pos", "directed-medium", "fuck you and your homework\n", threshold="medium")

neg = {
    "scunthorpe": "The match is in Scunthorpe on Saturday; we meet in Penistone first.",
    "counties": "Trips to Sussex, Essex, Middlesex and Wessex are planned.",
    "arsenal": "Arsenal won 3-1. Arsenic is a poison we study in chemistry.",
    "assessment": "Your assessment is due; the class will be assessed on Friday.",
    "classic": "A classic novel, then a cocktail party for the parents (non-alcoholic).",
    "shiitake": "Shiitake mushrooms are on the food technology list.",
    "therapist": "The speech therapist visits on Tuesday.",
    "hitchcock": "We will watch a Hitchcock film after the scrapbook session.",
    "analysis": "Data analysis of cumulative scores shows improvement.",
    "cockpit": "Pupils visited the cockpit of a plane and saw a peacock.",
    "birds": "We saw a blue tit and a great tit at the feeder.",
    "wankel": "The Wankel engine is a type of rotary engine.",
    "grasshopper": "Grasshoppers, passengers and assassins in the Shakespeare play.",
    "document": "Please read the document about circumstances of the cucumber growth.",
    "cumbria": "The geography trip goes to Cumbria and Cumbernauld.",
    "matsushita": "Matsushita made the projector.",
    "hello-shell": "Hello, the shell script has a title and a subtitle.",
    "numbers": "Room 151, set 3 and group 4A; scores 55, 69 and 1488 points in total... no, 148.",
    "skunkworks": "The title of the book is Bass Ackwards.",
    "prick-up": "Prick up your ears and listen; the pricked balloon popped.",
    "slag-heap": "The old slag heap near the mine is now a park.",
    "dickens": "We are reading Dickens and Emily Dickinson.",
    "cocktail-stick": "Use a cocktail stick in the model.",
    "apostrophes": "Who're you meeting? We're going; they're late.",
    "email-at": "Write to admin@example.com about the trip.",
    "sussex-b64": "Sussex and Essex teams meet.",
}
for k, v in neg.items():
    eml(P, "neg", k, v + "\n")
eml(P, "neg", "sussex-base64", "Sussex and Essex teams meet at Scunthorpe.\n", cte="base64")
eml(P, "neg", "html-scunthorpe", "<p>Scunthorpe &amp; Penistone <!-- c --> results</p>\n", ctype="text/html; charset=utf-8")

S = "safeguarding"
PUPIL = "sender-groups=pupils; sender-school=s1; direction=outbound"
PUPIL_INT = "sender-groups=pupils; sender-school=s1; direction=internal; recipient-groups=pupils"
GROOM = "direction=inbound; recipient-groups=pupils"
spos = [
    ("self-harm-plain", "I want to kill myself. I can't do this anymore.", PUPIL, "high"),
    ("self-harm-leet", "i w4nt t0 k1ll mys3lf tonight", PUPIL, "high"),
    ("self-harm-seps", "i want to k.i.l.l m.y.s.e.l.f", PUPIL, "high"),
    ("self-harm-cut", "I have been cutting myself again", PUPIL, "high"),
    ("self-harm-kms", "honestly kms", PUPIL, "high"),
    ("self-harm-wish", "i wish i was dead", PUPIL, "high"),
    ("self-harm-zero-width", "i want to di\u200be", PUPIL, "high"),
    ("self-harm-no-reason", "there is no reason to live anymore", PUPIL, "high"),
    ("bullying-kys", "just kys nobody likes you", PUPIL_INT, "high"),
    ("bullying-kill-yourself", "go kill urself", PUPIL_INT, "high"),
    ("bullying-kill-yourself-leet", "k1ll y0urs3lf loser", PUPIL_INT, "high"),
    ("bullying-everyone-hates", "everyone hates you, you are so ugly", PUPIL_INT, "medium"),
    ("bullying-beat-up", "i'm gonna beat you up after school", PUPIL_INT, "medium"),
    ("grooming-critical", "you are so mature for your age. send me a pic of you, and don't tell your mum about this", GROOM, "critical"),
    ("grooming-gapped-secrecy", "send me a selfie. dont you tell ur mum ok", GROOM, "critical"),
    ("grooming-secret-meet", "this is our little secret. meet me after school, I'll pick you up", GROOM, "high"),
    ("grooming-nudes", "send nudes pls, delete these messages after", GROOM, "critical"),
    ("grooming-flattery", "you're not like other girls, age is just a number", GROOM, "high"),
    ("sexual-nudes", "can u send nudes", PUPIL_INT, "medium"),
    ("extremism-far-right", "the great replacement is real, white genocide is happening", None, "medium"),
    ("extremism-islamist", "brothers, travel to sham and join the caliphate", None, "medium"),
    ("extremism-1488", "1488 sieg heil", None, "high"),
    ("weapons-stab", "i'm gonna stab you tomorrow", PUPIL_INT, "high"),
    ("weapons-knife-school", "im bringing a knife to school monday", PUPIL_INT, "high"),
    ("drugs-selling", "anyone want to buy some ket? selling xans too", PUPIL_INT, "medium"),
    ("drugs-county-lines", "they want me to do county lines", PUPIL, "medium"),
    ("abuse-disclosure", "my stepdad hits me when mum is out. im scared to go home", PUPIL, "high"),
]
for name, text, env, thr in spos:
    eml(S, "pos", name, text + "\n", env=env, threshold=thr)
eml(S, "pos", "qp-self-harm", "I want to kill my=\nself, I am done.\n", cte=None, extra="Content-Transfer-Encoding: quoted-printable", env=PUPIL, threshold="high")
eml(S, "pos", "base64-bullying", "just kill yourself\n", cte="base64", env=PUPIL_INT, threshold="high")
eml(S, "pos", "html-grooming", "<p>send me a <!-- x -->pic of you &amp; don&#39;t tell your mum</p>\n", ctype="text/html; charset=utf-8", env=GROOM, threshold="critical")
eml(S, "pos", "subject-b64-self-harm", "see subject\n", subject=b64subj("i want to die"), env=PUPIL, threshold="high")
eml("illegal", "pos", "csam-terms", "looking for pthc links\n", threshold="critical")
eml("illegal", "neg", "school-photos", "Photos from the sports day are on the website.\n")

sneg = [
    ("hyperbole-homework", "This homework is killing me!", PUPIL, "medium"),
    ("hyperbole-died-laughing", "I nearly died laughing at the play.", PUPIL, "medium"),
    ("hyperbole-kill-myself-laughing", "I could kill myself laughing at that video", PUPIL, "medium"),
    ("hyperbole-mum-kill", "My mum will kill me if I'm late again", PUPIL, "medium"),
    ("hyperbole-dying-boredom", "I'm dying of boredom in maths", PUPIL, "medium"),
    ("school-trip-photos", "Can you send me the photos from the trip to the science museum?", None, "medium"),
    ("school-meeting", "Let's meet up at the staff room after the meeting at 3pm.", None, "medium"),
    ("history-lesson", "Year 9 will study the causes of the Second World War and the rise of extremism in Europe.", None, "medium"),
    ("pshe-lesson", "In PSHE we discuss how to keep safe online and who to tell if something worries you.", None, "medium"),
    ("drama-script", "In Macbeth, the murder happens off stage; Lady Macbeth's guilt drives her mad.", None, "medium"),
    ("science-drugs", "Biology: how caffeine and alcohol affect the body.", None, "medium"),
    ("surprise-party", "Don't tell Mr Jones about the surprise party, it's a secret for his birthday!", None, "medium"),
    ("dead-easy", "The test was dead easy and the killer question was fun.", PUPIL, "medium"),
    ("birthday-age", "She is mature and kind; the club is for ages 11 to 14.", None, "medium"),
]
for name, text, env, thr in sneg:
    eml(S, "neg", name, text + "\n", env=env, threshold=thr)

I = "pii"
PO = "sender-groups=pupils; sender-school=s1; direction=outbound"
ppos = [
    ("phone-mobile", "hi, text me on 07700 900123 later"),
    ("phone-intl", "my number is +44 7700 900456"),
    ("phone-landline", "ring my house 0161 496 0000"),
    ("postcode", "send it to my house, postcode SW1A 1AA"),
    ("address", "I live at 14 Acacia Avenue near the park"),
    ("address-street", "come round to 22 Elm Tree Road on saturday"),
    ("dob", "my birthday is 12/03/2012 so i'm old enough"),
    ("dob-words", "date of birth: 4th May 2013"),
    ("school-name", "My name is Jamie Smith and I go to Hillside Academy"),
]
for name, text in ppos:
    eml(I, "pos", name, text + "\n", env=PO)
eml(I, "pos", "qp-phone", "call me on 07700 =\n900123\n", cte=None, extra="Content-Transfer-Encoding: quoted-printable", env=PO)
pneg = [
    ("staff-sends-phone", "The office number is 0161 496 0000.", "sender-groups=staff; sender-school=s1; direction=outbound"),
    ("pupil-internal-phone", "text me on 07700 900123", "sender-groups=pupils; sender-school=s1; direction=internal"),
    ("pupil-homework", "Here is my homework on the Tudors, 3 pages, 1,250 words.", PO),
    ("pupil-numbers", "I got 17 out of 20 and 95% in the test on 12 March.", PO),
    ("pupil-book", "I am reading The Hobbit and Great Expectations.", PO),
]
for name, text, env in pneg:
    eml(I, "neg", name, text + "\n", env=env)
print("ok")
