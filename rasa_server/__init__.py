"""Code that runs inside the Rasa server, by role; it never imports the action server (actions/).

- nlu/: the spaCy pipeline, gazetteer entities, the crisis detector, the sentence encoder and the intent
  classifier, named in config.yml;
- channels/: the website chat (sessions, pages) and the REST channel, named in credentials.yml;
- privacy/: the redactor, the redacting, expiring tracker stores (endpoints.yml) and the log filter
  (deploy/logging.yml);
- patches/: the two changes to Rasa's own behaviour, installed by `python -m rasa_server` (__main__.py).
"""
