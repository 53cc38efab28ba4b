"""Code a lesson introduces and later lessons reuse, exported from its notebook's `# @save` cells.

One module per lesson: `gan_utils.lessons.dcgan` is lesson 02's (notebooks/02_dcgan.ipynb),
`gan_utils.lessons.vanilla_gan` lesson 01's. Later lessons and the benchmark import from here.
scripts/export_lessons.py (`make export`) writes them: never edit them by hand, edit the cells.
Nothing is imported here: a lesson's module registers its Keras classes when, and only when, asked.
"""
